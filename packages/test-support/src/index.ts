/**
 * Real parts for the end-to-end tests of every package: the registry process, skopeo, OCI images built on disk.
 * Private to this repository's tests.
 */
export { buildOciImage, buildOciIndex, type OciImage, type OciIndex } from './oci-image';
export { startProcess, type Watched, waitForHttp } from './processes';
export { type ReadmeExampleRun, runReadmeExample } from './readme-example';
export { type RegistryAuth, type RunningRegistry, type StartRegistryOptions, startRegistry } from './registry';
export {
  type Credentials,
  copyFromRegistry,
  copyToRegistry,
  deleteImage,
  inspect,
  login,
  type SkopeoResult,
  skopeo,
} from './skopeo';
export { describeE2E, missingTools } from './tools';
