import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api.js';
import type { ConsoleConfig, LanguageTemplates, Me } from './apiTypes.js';

export interface Notice {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

/** What every view of the signed-in console shares. */
export interface ConsoleContext {
  api: ApiClient;
  config: ConsoleConfig;
  me: Me;
  navigate: (hash: string) => void;
  notify: (text: string, tone?: Notice['tone']) => void;
  /** The reply and acknowledgement templates, loaded once on first need; undefined while loading or unavailable. */
  templates: () => Promise<LanguageTemplates[] | undefined>;
  shortcutsEnabled: () => boolean;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const context = useContext(Console);
  if (!context) throw new Error('useConsole outside the signed-in console');
  return context;
}
