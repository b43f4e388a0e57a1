/**
 * Deleting tags deletes the manifests they point at, in the registry: every other tag on the same digest goes too.
 * The confirmation therefore lists every tag that shares the selected digests (asked from the server, across all
 * pages), marks those not selected, and says that the space comes back only after the registry's garbage collection.
 * One manifest delete per digest; a registry with deletes disabled or a refusal is shown in the dialog.
 */
import DeleteIcon from '@mui/icons-material/Delete';
import {
  Alert,
  Box,
  Button,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { type HttpError, useDataProvider, useListContext, useNotify, useRefresh } from 'react-admin';
import { formatBytes } from './format';
import { shortDigest, type TagRecord } from './RepositoryTags';

interface Plan {
  /** digest → every tag on it, selected or not. */
  byDigest: Map<string, TagRecord[]>;
  selected: Set<string>;
}

function failureText(error: unknown): string {
  const http = error as Partial<HttpError> & { body?: { code?: string } };
  if (http.body?.code === 'ERR_DELETE_DISABLED') {
    return 'The registry refuses deletes: its config.yml needs storage.delete.enabled: true. Nothing was deleted.';
  }
  if (http.status === 403) return `Not allowed: ${http.message ?? 'you may not delete here'}.`;
  return http.message ?? 'The delete failed.';
}

export function DeleteTagsButton({ repository }: { repository: string }) {
  const { selectedIds, onUnselectItems } = useListContext<TagRecord>();
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [plan, setPlan] = useState<Plan>();
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setOpen(true);
    setPlan(undefined);
    setFailure(undefined);
    try {
      const { data: chosen } = await dataProvider.getMany<TagRecord>('tags', { ids: selectedIds });
      const digests = [...new Set(chosen.map((tag) => tag.digest))];
      const { data: sharing } = await dataProvider.getList<TagRecord>('tags', {
        filter: { repository, digest: digests },
        sort: { field: 'version', order: 'DESC' },
        pagination: { page: 1, perPage: 1000 },
      });
      const byDigest = new Map<string, TagRecord[]>(digests.map((digest) => [digest, []]));
      for (const tag of sharing) byDigest.get(tag.digest)?.push(tag);
      setPlan({ byDigest, selected: new Set(chosen.map((tag) => tag.id)) });
    } catch (error) {
      setFailure(failureText(error));
    }
  };

  const confirm = async () => {
    if (!plan) return;
    setBusy(true);
    setFailure(undefined);
    let deleted = 0;
    try {
      for (const tags of plan.byDigest.values()) {
        const one = tags.find((tag) => plan.selected.has(tag.id)) ?? tags[0];
        if (!one) continue;
        await dataProvider.delete('tags', { id: one.id, previousData: one });
        deleted += tags.length;
      }
      notify(`${deleted} tag(s) deleted; the space returns after the registry's garbage collection`, { type: 'info' });
      setOpen(false);
      onUnselectItems();
    } catch (error) {
      setFailure(failureText(error));
    } finally {
      setBusy(false);
      refresh();
    }
  };

  const all = plan ? [...plan.byDigest.values()].flat() : [];
  const extra = plan ? all.filter((tag) => !plan.selected.has(tag.id)) : [];
  return (
    <>
      <Button color="error" startIcon={<DeleteIcon />} onClick={start} size="small">
        Delete
      </Button>
      <Dialog
        open={open}
        onClose={() => !busy && setOpen(false)}
        maxWidth="sm"
        fullWidth
        aria-labelledby="delete-tags-title"
      >
        <DialogTitle id="delete-tags-title">Delete {all.length || selectedIds.length} tag(s)?</DialogTitle>
        <DialogContent>
          {plan ? (
            <>
              {extra.length > 0 ? (
                <Alert severity="warning" sx={{ mb: 2 }}>
                  {extra.length} more tag(s) you did not select share these digests and will be deleted too:{' '}
                  <strong>{extra.map((tag) => tag.name).join(', ')}</strong>.
                </Alert>
              ) : null}
              <Typography variant="body2" sx={{ mb: 1 }}>
                A tag is deleted by deleting the manifest it points at. These tags go:
              </Typography>
              <Stack spacing={1} sx={{ mb: 2 }} data-testid="delete-plan">
                {[...plan.byDigest.entries()].map(([digest, tags]) => (
                  <Box key={digest}>
                    <Typography variant="caption" component="div" sx={{ fontFamily: 'monospace' }}>
                      {shortDigest(digest)} · {formatBytes(tags[0]?.size ?? 0)}
                    </Typography>
                    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.5 }}>
                      {tags.map((tag) => (
                        <Chip
                          key={tag.id}
                          size="small"
                          label={tag.name}
                          color={plan.selected.has(tag.id) ? 'default' : 'warning'}
                          variant={plan.selected.has(tag.id) ? 'filled' : 'outlined'}
                        />
                      ))}
                    </Stack>
                  </Box>
                ))}
              </Stack>
              <Typography variant="body2" color="text.secondary">
                The space on disk returns only after the registry&apos;s garbage collection runs.
              </Typography>
            </>
          ) : failure ? null : (
            <CircularProgress size={24} aria-label="Finding the tags that share these digests" />
          )}
          {failure ? (
            <Alert severity="error" sx={{ mt: 2 }} role="alert">
              {failure}
            </Alert>
          ) : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)} disabled={busy}>
            Cancel
          </Button>
          <Button color="error" variant="contained" onClick={confirm} disabled={!plan || busy}>
            Delete {all.length} tag(s)
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
