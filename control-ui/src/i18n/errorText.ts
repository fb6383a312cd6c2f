import type { TFunction } from 'i18next';
import { RequestError } from '../api/RequestError';

/** An error as the user reads it: the translated code, then the server's own words. */
export function errorText(t: TFunction, err: unknown): string {
  const e = RequestError.from(err);
  return `${t(`errors.${e.code}`, { defaultValue: e.code })}: ${e.message}`;
}
