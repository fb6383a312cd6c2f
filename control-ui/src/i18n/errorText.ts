import type { TFunction } from 'i18next';
import { RequestError } from '../api/RequestError';

/** The server's refusal of a page tile (wall/Screens): `tile 3: page host example.com is not allowed (WALL_PAGE_HOSTS)`. */
const PAGE_HOST = /^tile (\d+): page host (\S+) is not allowed/;

/** An error as the user reads it: the translated code, then the server's own words. */
export function errorText(t: TFunction, err: unknown): string {
  const e = RequestError.from(err);
  const pageHost = e.code === 'bad_request' ? PAGE_HOST.exec(e.message) : null;
  if (pageHost) return `${t('errors.bad_request')}: ${t('errors.pageHost', { tile: pageHost[1], host: pageHost[2] })}`;
  return `${t(`errors.${e.code}`, { defaultValue: e.code })}: ${e.message}`;
}
