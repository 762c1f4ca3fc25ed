/**
 * libpq's sslmode values, in their own module (no imports) so that the extension's settings can name them
 * without loading the database code.
 */
export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

export function isSslMode(value: unknown): value is SslMode {
  return typeof value === 'string' && (sslModes as readonly string[]).includes(value);
}
