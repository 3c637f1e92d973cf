import htm from 'htm';
import { h } from 'preact';

/** JSX-like templates without a compile step: `html\`<p>${text}</p>\`` (text is escaped, never parsed as HTML). */
export const html = htm.bind(h);
