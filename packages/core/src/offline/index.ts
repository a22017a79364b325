/*
 * `@e/core/offline`: what air-gapped sites need (the bill of materials, file and package
 * downloads, the archive), for `e requirements`, `e export` and `e import`.
 */
export { ArchiveError, EError, isEError } from '../errors.js';
export { copyImage } from './archive-copy.js';
export type { ArchiveEntryRecord, ArchiveManifest } from './archive-format.js';
export type { VerifiedArchive, VerifiedImage, VerifiedPlatform } from './archive-reader.js';
export { verifyArchive } from './archive-reader.js';
export { npmPackageTarball } from './archive-writer.js';
export type { BillOfMaterials, BillOfMaterialsOptions, BomFile, BomImage, BomPackage } from './bill-of-materials.js';
export { billOfMaterials, normalizePlatforms } from './bill-of-materials.js';
export type { DownloadedEntry, DownloadedPackage, DownloadPackagesOptions, DownloadRequest } from './downloader.js';
export { DOWNLOAD_COMMAND, DOWNLOAD_INPUT, DOWNLOADER_KIND, downloadPackages, findDownloader } from './downloader.js';
export type { ArchiveFile, ExportOptions, ExportProgress, ExportResult } from './export.js';
export { exportArchive, exportedRepository } from './export.js';
export type { FetchedFile, FetchFileProgress, FetchFilesOptions } from './fetch-files.js';
export { cachedFilePath, fetchFiles } from './fetch-files.js';
export type { EngineImportResult, ImportProgress, RegistryImportResult } from './import.js';
export {
  digestTag,
  dockerLoad,
  dockerTag,
  enginePresentImages,
  engineTag,
  importToEngine,
  importToRegistry,
  localEnginePlatform,
  rehost,
  rewriteImages,
  writeArchiveFiles,
} from './import.js';
export type { FileNeed, ImageNeed, Needs, PackageNeed, SelectedModule, SelectModulesOptions } from './requirements.js';
export { collectNeeds, selectModules } from './requirements.js';
