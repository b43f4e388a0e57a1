/**
 * A sort key that orders tags the way people read versions: semantic versions by their numbers (`1.9.0` before
 * `1.10.0`, `2.0.0-rc.1` before `2.0.0`, an optional `v` ignored), everything else naturally (`build-9` before
 * `build-10`), versions before other tags. Plain byte order on the key gives that order, so SQL can sort and index
 * it (PostgreSQL stores the column with the "C" collation).
 */

const SEMVER =
  /^v?(\d{1,20})(?:\.(\d{1,20}))?(?:\.(\d{1,20}))?(?:\.(\d{1,20}))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** A run of digits as its length (two digits) and the digits without leading zeros: compares numerically. */
function numberKey(digits: string): string {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  return `${String(trimmed.length).padStart(2, '0')}${trimmed}`;
}

/** Digit runs compared as numbers, the rest as text. */
export function naturalKey(text: string): string {
  return text.replace(/\d+/g, (digits) => `#${numberKey(digits)}`);
}

export function versionKey(tag: string): string {
  const match = SEMVER.exec(tag);
  if (!match) return `2${naturalKey(tag)}`;
  const numbers = [match[1], match[2], match[3], match[4]].map((part) => numberKey(part ?? '0')).join('.');
  const prerelease = match[5];
  // A release sorts after its pre-releases: '~' is above every character a pre-release key can start with.
  return `1${numbers}${prerelease === undefined ? '~' : ` ${naturalKey(prerelease)}`}`;
}
