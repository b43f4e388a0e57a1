/**
 * The live preview of a pattern: which existing repositories it matches, asked of the server (which compiles the
 * pattern with the same acl code as the rules) a moment after the typing stops.
 */

import { Alert, Box, Chip, CircularProgress, Stack, Typography } from '@mui/material';
import { validatePattern } from '@registry-admin/acl';
import { useEffect, useState } from 'react';
import { useLogoutIfAccessDenied } from 'react-admin';
import { adminRequests } from '../providers';
import type { PatternPreview as Preview } from '../providers/admin-requests';

const DEBOUNCE_MS = 300;
const SHOWN = 20;

type State =
  | { kind: 'idle' }
  | { kind: 'invalid'; problem: string }
  | { kind: 'loading'; last?: Preview }
  | { kind: 'done'; preview: Preview }
  | { kind: 'error'; message: string };

export function usePatternPreview(pattern: string | undefined): State {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  const text = pattern?.trim() ?? '';
  // The acl package's own check: an invalid pattern is explained at once, without asking the server.
  const problem = text === '' ? undefined : validatePattern(text);

  useEffect(() => {
    if (text === '' || problem !== undefined) {
      setState(problem === undefined ? { kind: 'idle' } : { kind: 'invalid', problem });
      return;
    }
    const controller = new AbortController();
    setState((previous) => ({
      kind: 'loading',
      ...(previous.kind === 'done'
        ? { last: previous.preview }
        : previous.kind === 'loading' && previous.last
          ? { last: previous.last }
          : {}),
    }));
    const timer = setTimeout(() => {
      adminRequests
        .previewPattern(text, { limit: SHOWN, signal: controller.signal })
        .then((preview) => setState({ kind: 'done', preview }))
        .catch(async (error: unknown) => {
          if (controller.signal.aborted) return;
          if (await logoutIfAccessDenied(error)) return;
          setState({ kind: 'error', message: (error as Error).message });
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, problem, logoutIfAccessDenied]);
  return state;
}

export function PatternPreview({ pattern }: { pattern: string | undefined }) {
  const state = usePatternPreview(pattern);
  const preview = state.kind === 'done' ? state.preview : state.kind === 'loading' ? state.last : undefined;
  return (
    <Box
      component="section"
      aria-label="Matching repositories"
      aria-live="polite"
      aria-busy={state.kind === 'loading'}
      sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 2, minHeight: 96 }}
    >
      <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
        <Typography variant="subtitle2" component="h2">
          Matching repositories
        </Typography>
        {state.kind === 'loading' ? <CircularProgress size={14} aria-label="updating" /> : null}
      </Stack>
      {state.kind === 'idle' ? (
        <Typography variant="body2" color="text.secondary">
          Type a valid pattern to see which existing repositories it matches.
        </Typography>
      ) : null}
      {state.kind === 'invalid' ? (
        <Alert severity="warning" data-testid="preview-problem">
          Not a valid pattern: {state.problem}
        </Alert>
      ) : null}
      {state.kind === 'error' ? <Alert severity="error">{state.message}</Alert> : null}
      {preview ? <PreviewResult preview={preview} /> : null}
    </Box>
  );
}

function PreviewResult({ preview }: { preview: Preview }) {
  const more = preview.total - preview.matches.length;
  return (
    <>
      <Typography variant="body2" data-testid="preview-summary" sx={{ mb: 1 }}>
        {preview.total === 0
          ? `No existing repository matches (of ${preview.repositories}). A rule may name repositories that do not exist yet.`
          : `${preview.total} of ${preview.repositories} repositories match.`}
        {preview.ownName ? ' {user} is shown matching any user: each user gets only their own.' : ''}
      </Typography>
      <Stack
        direction="row"
        useFlexGap
        spacing={0.75}
        sx={{ flexWrap: 'wrap', listStyle: 'none', p: 0, m: 0 }}
        component="ul"
        aria-label="matches"
      >
        {preview.matches.map((name) => (
          <Chip key={name} component="li" label={name} size="small" sx={{ fontFamily: 'monospace' }} />
        ))}
        {more > 0 ? <Chip component="li" label={`and ${more} more`} size="small" variant="outlined" /> : null}
      </Stack>
    </>
  );
}
