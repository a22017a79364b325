/*
 * `@e/core/offline`: what air-gapped sites need (the bill of materials, file and package
 * downloads, the archive), for `e requirements`, `e export` and `e import`.
 */
export { ArchiveError, EError, isEError } from '../errors.js';
export type { BillOfMaterials, BillOfMaterialsOptions, BomFile, BomImage, BomPackage } from './bill-of-materials.js';
export { billOfMaterials } from './bill-of-materials.js';
