// node:crypto in e's bundles (scripts/bundle-cli.mjs), loaded on first use: e's modules import
// it at their top (hashes, ids), but the commands that only read do not use it, and it loads
// Node's streams with it. An ES module with named exports, as bin/lazy-os.mjs. Only its functions,
// not its classes (Hash, KeyObject...): an import of those fails the bundling.
import { lazyBuiltin } from './lazy-builtin.mjs';

const lazy = lazyBuiltin('node:crypto');

export const checkPrime = /* @__PURE__ */ lazy('checkPrime');
export const checkPrimeSync = /* @__PURE__ */ lazy('checkPrimeSync');
export const createCipheriv = /* @__PURE__ */ lazy('createCipheriv');
export const createDecipheriv = /* @__PURE__ */ lazy('createDecipheriv');
export const createDiffieHellman = /* @__PURE__ */ lazy('createDiffieHellman');
export const createDiffieHellmanGroup = /* @__PURE__ */ lazy('createDiffieHellmanGroup');
export const createECDH = /* @__PURE__ */ lazy('createECDH');
export const createHash = /* @__PURE__ */ lazy('createHash');
export const createHmac = /* @__PURE__ */ lazy('createHmac');
export const createPrivateKey = /* @__PURE__ */ lazy('createPrivateKey');
export const createPublicKey = /* @__PURE__ */ lazy('createPublicKey');
export const createSecretKey = /* @__PURE__ */ lazy('createSecretKey');
export const createSign = /* @__PURE__ */ lazy('createSign');
export const createVerify = /* @__PURE__ */ lazy('createVerify');
export const diffieHellman = /* @__PURE__ */ lazy('diffieHellman');
export const generateKey = /* @__PURE__ */ lazy('generateKey');
export const generateKeyPair = /* @__PURE__ */ lazy('generateKeyPair');
export const generateKeyPairSync = /* @__PURE__ */ lazy('generateKeyPairSync');
export const generateKeySync = /* @__PURE__ */ lazy('generateKeySync');
export const generatePrime = /* @__PURE__ */ lazy('generatePrime');
export const generatePrimeSync = /* @__PURE__ */ lazy('generatePrimeSync');
export const getCipherInfo = /* @__PURE__ */ lazy('getCipherInfo');
export const getCiphers = /* @__PURE__ */ lazy('getCiphers');
export const getCurves = /* @__PURE__ */ lazy('getCurves');
export const getDiffieHellman = /* @__PURE__ */ lazy('getDiffieHellman');
export const getFips = /* @__PURE__ */ lazy('getFips');
export const getHashes = /* @__PURE__ */ lazy('getHashes');
export const getRandomValues = /* @__PURE__ */ lazy('getRandomValues');
export const hash = /* @__PURE__ */ lazy('hash');
export const hkdf = /* @__PURE__ */ lazy('hkdf');
export const hkdfSync = /* @__PURE__ */ lazy('hkdfSync');
export const pbkdf2 = /* @__PURE__ */ lazy('pbkdf2');
export const pbkdf2Sync = /* @__PURE__ */ lazy('pbkdf2Sync');
export const privateDecrypt = /* @__PURE__ */ lazy('privateDecrypt');
export const privateEncrypt = /* @__PURE__ */ lazy('privateEncrypt');
export const publicDecrypt = /* @__PURE__ */ lazy('publicDecrypt');
export const publicEncrypt = /* @__PURE__ */ lazy('publicEncrypt');
export const randomBytes = /* @__PURE__ */ lazy('randomBytes');
export const randomFill = /* @__PURE__ */ lazy('randomFill');
export const randomFillSync = /* @__PURE__ */ lazy('randomFillSync');
export const randomInt = /* @__PURE__ */ lazy('randomInt');
export const randomUUID = /* @__PURE__ */ lazy('randomUUID');
export const scrypt = /* @__PURE__ */ lazy('scrypt');
export const scryptSync = /* @__PURE__ */ lazy('scryptSync');
export const secureHeapUsed = /* @__PURE__ */ lazy('secureHeapUsed');
export const setEngine = /* @__PURE__ */ lazy('setEngine');
export const setFips = /* @__PURE__ */ lazy('setFips');
export const sign = /* @__PURE__ */ lazy('sign');
export const timingSafeEqual = /* @__PURE__ */ lazy('timingSafeEqual');
export const verify = /* @__PURE__ */ lazy('verify');
