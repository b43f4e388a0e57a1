/** What a pattern can say, with examples: exact names, `*` within a segment, `**` across, `{user}`. */
import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { OWN_NAME_PLACEHOLDER } from '@registry-admin/acl';

const ROWS: Array<[string, string, string]> = [
  ['team/app', 'exactly that repository', 'team/app'],
  ['team/*', '"*" matches within one path segment', 'team/app, team/web — not team/a/b'],
  ['team/**', '"**" matches across segments', 'team/app, team/a/b'],
  ['**', 'every repository', 'anything'],
  [`${OWN_NAME_PLACEHOLDER}/**`, `${OWN_NAME_PLACEHOLDER} is the caller's own login`, 'alice/tools for alice only'],
];

export function PatternHelp() {
  return (
    <Box component="section" aria-label="Pattern syntax" sx={{ mb: 2 }}>
      <Typography variant="subtitle2" component="h2" gutterBottom>
        Pattern syntax
      </Typography>
      <Table size="small" aria-label="pattern examples">
        <TableHead>
          <TableRow>
            <TableCell>pattern</TableCell>
            <TableCell>meaning</TableCell>
            <TableCell>matches</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {ROWS.map(([pattern, meaning, example]) => (
            <TableRow key={pattern}>
              <TableCell sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{pattern}</TableCell>
              <TableCell>{meaning}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{example}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
        Allowed characters: a-z 0-9 . _ - and / between segments. Rules may name repositories that do not exist yet.
      </Typography>
    </Box>
  );
}
