export type AppointmentMailKind = 'confirmation' | 'cancellation' | 'reminder';

export interface AppointmentMailInput {
  kind: AppointmentMailKind;
  clientName: string;
  startsAt: Date;
  service: string | null;
  businessName: string;
  /** IANA zone of the tenant; times are shown there. */
  timeZone: string;
  language: 'en' | 'es';
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const COPY = {
  en: {
    confirmation: { subject: 'Your appointment is confirmed', lead: 'your appointment is confirmed for' },
    cancellation: {
      subject: 'Your appointment was cancelled',
      lead: 'your appointment was cancelled. It was set for',
    },
    // The subject names the day: a reminder is not always sent the day before (an appointment
    // booked for this afternoon gets one at once).
    reminder: { subject: 'Reminder: your appointment on', lead: 'a reminder of your appointment on' },
    greeting: 'Hello',
    service: 'Service',
  },
  es: {
    confirmation: { subject: 'Tu cita está confirmada', lead: 'tu cita está confirmada para el' },
    cancellation: {
      subject: 'Tu cita ha sido cancelada',
      lead: 'tu cita ha sido cancelada. Estaba prevista para el',
    },
    reminder: { subject: 'Recordatorio: tu cita del', lead: 'te recordamos tu cita del' },
    greeting: 'Hola',
    service: 'Servicio',
  },
} as const;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Subject, plain text and HTML of an appointment mail; every interpolated value is escaped in HTML. */
export function renderAppointmentMail(input: AppointmentMailInput): RenderedMail {
  const copy = COPY[input.language];
  const when = new Intl.DateTimeFormat(input.language, {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: input.timeZone,
  }).format(input.startsAt);
  const day =
    input.kind === 'reminder'
      ? ` ${new Intl.DateTimeFormat(input.language, { dateStyle: 'medium', timeStyle: 'short', timeZone: input.timeZone }).format(input.startsAt)}`
      : '';
  const subject = `${copy[input.kind].subject}${day} — ${input.businessName}`;
  const line = `${copy.greeting} ${input.clientName}, ${copy[input.kind].lead} ${when}.`;
  const service = input.service ? `${copy.service}: ${input.service}` : '';
  const text = [line, service, '', input.businessName].filter((l, i) => l !== '' || i === 2).join('\n');
  const html = [
    `<p>${escapeHtml(line)}</p>`,
    service ? `<p>${escapeHtml(service)}</p>` : '',
    `<p>${escapeHtml(input.businessName)}</p>`,
  ].join('');
  return { subject, text, html };
}
