/**
 * A repository's tags, from the index: sorted by version (newest first) by default, or by push date, created time or
 * size; selectable for deletion when the caller may delete in this repository.
 */
import { Alert } from '@mui/material';
import {
  Datagrid,
  DateField,
  FunctionField,
  Pagination,
  ReferenceManyField,
  TextField,
  useRecordContext,
} from 'react-admin';
import { DeleteTagsButton } from './DeleteTagsButton';
import { EmptyState } from './EmptyState';
import { formatBytes } from './format';
import type { RepositoryRecord } from './RepositoryShow';

export interface TagRecord {
  id: string;
  repository: string;
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  created: string | null;
  platforms: Array<{ os: string; architecture: string; variant?: string }>;
  pushedAt: string | null;
  pullCount: number;
}

export const shortDigest = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export const platformName = (platform: { os: string; architecture: string; variant?: string }) =>
  `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;

export function RepositoryTags() {
  const repository = useRecordContext<RepositoryRecord>();
  if (!repository) return null;
  // Until the record itself arrives, react-admin shows the list's copy, which has no `actions`.
  const canDelete = repository.actions?.includes('delete') ?? false;
  return (
    <>
      {canDelete || repository.actions === undefined ? null : (
        <Alert severity="info" sx={{ mb: 1 }}>
          You may not delete tags in this repository.
        </Alert>
      )}
      <ReferenceManyField
        reference="tags"
        target="repositoryId"
        sort={{ field: 'version', order: 'DESC' }}
        perPage={25}
        pagination={<Pagination rowsPerPageOptions={[25, 50, 100]} />}
      >
        <Datagrid
          rowClick="show"
          bulkActionButtons={canDelete ? <DeleteTagsButton repository={repository.name} /> : false}
          empty={<EmptyState title="No tags" text="This repository holds no tagged image." />}
        >
          <TextField source="name" label="Tag" sortBy="version" />
          <FunctionField<TagRecord>
            label="Digest"
            sortable={false}
            render={(tag) => <code title={tag.digest}>{shortDigest(tag.digest)}</code>}
          />
          <FunctionField<TagRecord>
            label="Platforms"
            sortable={false}
            render={(tag) => tag.platforms.map(platformName).join(', ') || '—'}
          />
          <FunctionField<TagRecord> source="size" label="Size" render={(tag) => formatBytes(tag.size)} />
          <DateField source="pushedAt" label="Pushed" showTime emptyText="—" />
          <DateField source="created" showTime emptyText="—" />
        </Datagrid>
      </ReferenceManyField>
    </>
  );
}
