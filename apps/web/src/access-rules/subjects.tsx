/**
 * Who a rule is for, in the acl package's vocabulary (`Subject['kind']`): the labels of each kind, which resource
 * names its subject, and a field that shows a rule's subject by name.
 */

import { Chip, Stack } from '@mui/material';
import type { Action, Subject } from '@registry-admin/acl';
import { ReferenceField, TextField, useRecordContext } from 'react-admin';

export type SubjectKind = Subject['kind'];

/** Every kind, each with its label; the record type makes the list complete. */
const SUBJECT_LABELS: Record<SubjectKind, string> = {
  user: 'User',
  group: 'Group',
  'service-account': 'Service account',
  registered: 'Every registered user',
  everyone: 'Everyone, including anonymous',
};

export const subjectChoices = (Object.keys(SUBJECT_LABELS) as SubjectKind[]).map((id) => ({
  id,
  name: SUBJECT_LABELS[id],
}));

/** The resource that holds the subjects of a kind, and the field that names each; none for the collective kinds. */
export const SUBJECT_REFERENCES: Partial<Record<SubjectKind, { reference: string; optionText: string }>> = {
  user: { reference: 'users', optionText: 'login' },
  group: { reference: 'groups', optionText: 'name' },
  'service-account': { reference: 'service-accounts', optionText: 'name' },
};

export const subjectLabel = (kind: SubjectKind) => SUBJECT_LABELS[kind];

/** What each action lets the subject do, for the action picker. */
export const ACTION_LABELS: Record<Action, string> = {
  pull: 'pull',
  push: 'push',
  delete: 'delete',
  '*': 'all (pull, push, delete)',
};

/** A subject by kind and id: "Group devs", "Every registered user". */
export function SubjectName({ kind, id }: { kind: SubjectKind; id?: string | number | null }) {
  const reference = SUBJECT_REFERENCES[kind];
  if (!reference || id === undefined || id === null) return <span>{subjectLabel(kind)}</span>;
  return (
    <Stack direction="row" spacing={0.5} alignItems="baseline" component="span">
      <span>{subjectLabel(kind)}</span>
      <ReferenceField
        record={{ id: `${kind}:${id}`, subjectId: Number(id) }}
        source="subjectId"
        reference={reference.reference}
        link={false}
      >
        <TextField source={reference.optionText} sx={{ fontWeight: 500 }} />
      </ReferenceField>
    </Stack>
  );
}

/** The subject of the rule in the record context. */
export function SubjectField(_props: { label?: string }) {
  const rule = useRecordContext<{ id: number; subjectType: SubjectKind; subjectId: number | null }>();
  if (!rule) return null;
  return <SubjectName kind={rule.subjectType} id={rule.subjectId} />;
}

/** A rule's actions as chips. */
export function ActionsField(_props: { label?: string }) {
  const rule = useRecordContext<{ actions: Action[] }>();
  if (!rule) return null;
  return (
    <Stack direction="row" spacing={0.5} component="span">
      {rule.actions.map((action) => (
        <Chip key={action} label={action === '*' ? 'all' : action} size="small" variant="outlined" />
      ))}
    </Stack>
  );
}
