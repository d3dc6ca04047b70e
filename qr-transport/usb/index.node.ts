/** The USB hand-off (docs/usb.md): safe reads from and atomic writes to a hostile USB stick. Re-exports only. */
export {
  show,
  USB_ERROR_CODES,
  UsbContentInvalidError,
  UsbError,
  type UsbErrorCode,
  UsbExistsError,
  UsbFileChangedError,
  UsbIoError,
  UsbKindRefusedError,
  UsbNotFoundError,
  UsbNotRegularFileError,
  UsbPathInvalidError,
  UsbPathOutsideRootError,
  UsbRootInvalidError,
  UsbSymlinkError,
  UsbTooLargeError,
} from './errors.js';
export { guessKind, type KindGuess, KNOWN_FORMATS, topLevelFormat, type UsbFileKind } from './kind.js';
export {
  EXPORT_MODE,
  type UsbWriteOptions,
  type UsbWriteReport,
  type UsbWriteStrategy,
  writeUsbFileAtomic,
} from './usb-export.node.js';
export { DEFAULT_USB_ROOT, resolveUsbRoot, type UsbEntryType } from './usb-fs.node.js';
export {
  listUsbFiles,
  openUsbFile,
  readUsbFile,
  type UsbEntry,
  type UsbFile,
  type UsbListing,
  type UsbListOptions,
  type UsbReadOptions,
} from './usb-import.node.js';
export { MAX_DEPTH, MAX_PATH_BYTES, MAX_SEGMENT_BYTES, usbPathSegments } from './usb-path.js';
