/** The table of personal access tokens or of signed-in registry clients, with one action per row. */
import {
  Box,
  Button,
  Chip,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { formatDate } from './format';
import type { ApiToken } from './types';

/** Read by screen readers, not shown. */
const VISUALLY_HIDDEN = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
} as const;

export function TokenTable({
  kind,
  tokens,
  loading,
  empty,
  actionLabel,
  onAction,
}: {
  kind: 'pat' | 'refresh';
  tokens: ApiToken[] | undefined;
  loading: boolean;
  empty: string;
  actionLabel: string;
  onAction: (token: ApiToken) => void;
}) {
  if (loading) return <Skeleton variant="rounded" height={48} />;
  if (!tokens || tokens.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        {empty}
      </Typography>
    );
  }
  return (
    <TableContainer>
      <Table size="small" aria-label={kind === 'pat' ? 'Personal access tokens' : 'Signed-in registry clients'}>
        <TableHead>
          <TableRow>
            <TableCell>{kind === 'pat' ? 'Name' : 'Client'}</TableCell>
            {kind === 'pat' ? <TableCell>Access</TableCell> : <TableCell>Address</TableCell>}
            <TableCell>Created</TableCell>
            <TableCell>Last used</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell>
              <Box component="span" sx={VISUALLY_HIDDEN}>
                Actions
              </Box>
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {tokens.map((token) => (
            <TableRow key={token.id}>
              <TableCell>
                {kind === 'pat' ? token.name : (token.clientId ?? token.name)}
                <Typography variant="caption" color="text.secondary" sx={{ display: 'block', fontFamily: 'monospace' }}>
                  {token.prefix}…
                </Typography>
              </TableCell>
              {kind === 'pat' ? (
                <TableCell>
                  <Chip
                    size="small"
                    variant="outlined"
                    label={token.readOnly ? 'pull only' : 'pull and push'}
                    color={token.readOnly ? 'default' : 'primary'}
                  />
                </TableCell>
              ) : (
                <TableCell>{token.address ?? '—'}</TableCell>
              )}
              <TableCell>{formatDate(token.createdAt)}</TableCell>
              <TableCell>{formatDate(token.lastUsedAt)}</TableCell>
              <TableCell>{formatDate(token.expiresAt)}</TableCell>
              <TableCell align="right">
                <Button
                  size="small"
                  color="error"
                  onClick={() => onAction(token)}
                  aria-label={`${actionLabel} ${kind === 'pat' ? token.name : (token.clientId ?? token.name)}`}
                >
                  {actionLabel}
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
