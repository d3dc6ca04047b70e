/** hsm/: Airlock's PKCS#11 layer (module → token → session → key). Re-exports only. */
export * from './constants.js';
export * from './ecdsa.js';
export * from './errors.js';
export * from './keys.js';
export * from './module.js';
export * from './session.js';
export * from './sign.js';
export * from './softhsm.js';
export * from './token.js';
export type * from './types.js';
export * from './verify-pool.js';
