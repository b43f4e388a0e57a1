/**
 * A repository's tags, from the index: sorted by version (newest first) by default, or by push date, created time or
 * size; selectable for deletion when the caller may delete in this repository.
 */
import { Alert } from '@mui/material';
import { type RefObject, useEffect, useRef } from 'react';
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

/**
 * react-admin puts the row checkbox's "Select this row" label on the checkbox's wrapper, where it names nothing (axe:
 * aria-prohibited-attr, and an unlabelled input): this moves it onto the input itself, for rows rendered now or later.
 */
function useLabelledRowCheckboxes(container: RefObject<HTMLElement | null>, key: unknown) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` re-attaches the observer to a new repository's rows.
  useEffect(() => {
    const node = container.current;
    if (!node) return;
    const relabel = () => {
      for (const wrapper of node.querySelectorAll('.select-item[aria-label]')) {
        const input = wrapper.querySelector('input');
        if (!input) continue;
        input.setAttribute('aria-label', wrapper.getAttribute('aria-label') ?? '');
        wrapper.removeAttribute('aria-label');
      }
    };
    relabel();
    const observer = new MutationObserver(relabel);
    observer.observe(node, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [container, key]);
}

export function RepositoryTags() {
  const repository = useRecordContext<RepositoryRecord>();
  const container = useRef<HTMLDivElement>(null);
  useLabelledRowCheckboxes(container, repository?.id);
  if (!repository) return null;
  // Until the record itself arrives, react-admin shows the list's copy, which has no `actions`.
  const canDelete = repository.actions?.includes('delete') ?? false;
  return (
    <div ref={container}>
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
    </div>
  );
}
