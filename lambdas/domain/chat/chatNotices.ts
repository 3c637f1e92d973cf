import { DateTime } from 'luxon';

const NOTICES: Record<string, (opensAt: string) => string> = {
  en: (opensAt) =>
    `Our chat team is away right now (open every day 7 am to 10 pm Central). Your message is saved as a case and the team will answer it by e-mail or when chat opens at ${opensAt}. If this is a medical emergency, call 911.`,
  es: (opensAt) =>
    `Nuestro equipo de chat no está disponible ahora (atendemos todos los días de 7 a. m. a 10 p. m., hora del Centro). Guardamos su mensaje como un caso y le responderemos por correo electrónico o cuando el chat abra a las ${opensAt}. Si es una emergencia médica, llame al 911.`,
};

/**
 * What the widget shows a member who writes while chat is closed, in their language (English when
 * there is no text in theirs yet). `nextOpenAt` is shown in Central time, the desk's time zone.
 */
export function outsideHoursNotice(
  language: string | undefined,
  nextOpenAt: string,
): { language: string; text: string } {
  const code = language?.toLowerCase().split(/[-_]/)[0] ?? 'en';
  const chosen = NOTICES[code] ? code : 'en';
  const opensAt = DateTime.fromISO(nextOpenAt, { zone: 'America/Chicago' })
    .setLocale(chosen)
    .toLocaleString(DateTime.DATETIME_MED);
  const text = (NOTICES[chosen] ?? NOTICES.en)?.(opensAt) ?? '';
  return { language: chosen, text };
}
