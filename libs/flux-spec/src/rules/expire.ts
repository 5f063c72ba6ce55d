/** Subscription length in blocks (v6+), whose bounds moved with several forks. */
import { reject } from '../errors';
import { EXPIRE_MIN_1, EXPIRE_MIN_100, EXPIRE_MULTIPLE_DROPPED, PON_FORK } from '../heights';
import { EXPIRE_DEFAULT, EXPIRE_MAX, EXPIRE_MULTIPLE } from '../limits';

export function minExpire(height: number): number {
  if (height < EXPIRE_MIN_100) return 5000;
  if (height < EXPIRE_MIN_1) return 100;
  return 1;
}

/** Blocks are 4× faster after the PON fork, so block counts for the same time are 4× larger. */
export function maxExpire(height: number): number {
  return height >= PON_FORK ? EXPIRE_MAX * 4 : EXPIRE_MAX;
}

/** Default subscription (≈1 month) for specs without `expire`, and the price unit. */
export function defaultExpire(height: number): number {
  return height >= PON_FORK ? EXPIRE_DEFAULT * 4 : EXPIRE_DEFAULT;
}

export function checkExpire(expire: number, height: number): void {
  const min = minExpire(height);
  if (expire < min) reject('expire.tooShort', 'expire', `is ${expire} blocks; the minimum is ${min} at height ${height}`);
  const max = maxExpire(height);
  if (expire > max) reject('expire.tooLong', 'expire', `is ${expire} blocks; the maximum is ${max} at height ${height}`);
  if (height < EXPIRE_MULTIPLE_DROPPED && expire % EXPIRE_MULTIPLE !== 0) {
    reject('expire.notMultiple', 'expire', `must be a multiple of ${EXPIRE_MULTIPLE} blocks below height ${EXPIRE_MULTIPLE_DROPPED}`);
  }
}
