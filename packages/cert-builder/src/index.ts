/**
 * @registry-admin/cert-builder — the token signing key and its self-signed CA certificate: generate, load, check, write.
 */
export {
  CERT_FILES,
  type CertPaths,
  certPaths,
  ensureCertificateSet,
  loadCertificateSet,
  writeCertificateSet,
} from './internal/certificate-files';
export {
  type CertificateSet,
  type GenerateOptions,
  generateCertificateSet,
  type KeyAlgorithm,
  parseCertificateSet,
} from './internal/certificate-set';
export { CertError, type CertErrorCode } from './internal/errors';
