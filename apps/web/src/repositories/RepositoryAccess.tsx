/** Who can access a repository (admins and managers): every rule that matches it, by subject, and the admins. */
import { Alert, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { Loading, useGetOne, useRecordContext } from 'react-admin';
import type { RepositoryRecord } from './RepositoryShow';

interface AccessEntry {
  subject: { type: string; id?: number; name?: string | null };
  ownName?: string;
  actions: string[];
  ruleIds: number[];
}

interface Access {
  id: string;
  repository: string;
  entries: AccessEntry[];
  admins: string[];
}

const SUBJECT_LABEL: Record<string, string> = {
  user: 'user',
  group: 'group',
  'service-account': 'service account',
  registered: 'every registered user',
  everyone: 'everyone, anonymous included',
};

function subjectText(entry: AccessEntry): string {
  const kind = SUBJECT_LABEL[entry.subject.type] ?? entry.subject.type;
  if (entry.subject.type === 'registered' && entry.ownName) return `${entry.ownName} (own namespace)`;
  if (entry.subject.id === undefined) return kind;
  return `${kind} ${entry.subject.name ?? `#${entry.subject.id}`}`;
}

export default function RepositoryAccess() {
  const repository = useRecordContext<RepositoryRecord>();
  const { data, isPending, error } = useGetOne<Access>(
    'repositories',
    { id: `${repository?.id}/access` },
    { enabled: repository !== undefined },
  );
  if (isPending) return <Loading />;
  if (error || !data) return <Alert severity="error">{(error as Error | null)?.message ?? 'Not available'}</Alert>;
  return (
    <>
      <Table size="small" aria-label="Who can access this repository">
        <TableHead>
          <TableRow>
            <TableCell>Subject</TableCell>
            <TableCell>Actions</TableCell>
            <TableCell>Rules</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {data.entries.length === 0 ? (
            <TableRow>
              <TableCell colSpan={3}>No rule matches this repository: only admins can reach it.</TableCell>
            </TableRow>
          ) : null}
          {data.entries.map((entry) => (
            <TableRow key={`${entry.subject.type}-${entry.subject.id ?? ''}-${entry.ownName ?? ''}`}>
              <TableCell>{subjectText(entry)}</TableCell>
              <TableCell>
                <Stack direction="row" spacing={0.5}>
                  {entry.actions.map((action) => (
                    <Chip key={action} size="small" label={action} />
                  ))}
                </Stack>
              </TableCell>
              <TableCell>{entry.ruleIds.map((id) => `#${id}`).join(', ')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
        Admins may do everything everywhere, without a rule: {data.admins.join(', ') || 'none'}.
      </Typography>
    </>
  );
}
