/**
 * The rule editor, shared by create and edit: who (a subject picker in the acl vocabulary), what (actions), where (a
 * pattern checked as it is typed by the acl package's own validator), with the syntax beside it and a live preview of
 * the existing repositories the pattern matches.
 */

import { Box, Grid } from '@mui/material';
import { ACTIONS, validatePattern } from '@registry-admin/acl';
import {
  AutocompleteInput,
  CheckboxGroupInput,
  FormDataConsumer,
  RadioButtonGroupInput,
  ReferenceInput,
  required,
  SimpleForm,
  TextInput,
} from 'react-admin';
import { PatternHelp } from './PatternHelp';
import { PatternPreview } from './PatternPreview';
import { ACTION_LABELS, SUBJECT_REFERENCES, type SubjectKind, subjectChoices, subjectLabel } from './subjects';

const actionChoices = ACTIONS.map((id) => ({ id, name: ACTION_LABELS[id] }));

/** The acl package's own check, so the form says what the server would say, before it is asked. */
const validPattern = (value: unknown) =>
  typeof value === 'string' && value !== '' ? validatePattern(value) : undefined;

/** What the API takes: no subject id for the collective subjects (left over when the kind was switched). */
export function toRuleBody<T extends { subjectType?: SubjectKind; subjectId?: number | null; pattern?: string }>(
  data: T,
): T {
  const keepsId = data.subjectType !== undefined && SUBJECT_REFERENCES[data.subjectType] !== undefined;
  return { ...data, subjectId: keepsId ? (data.subjectId ?? null) : null, pattern: data.pattern?.trim() };
}

export function AccessRuleForm() {
  return (
    <SimpleForm defaultValues={{ subjectType: 'group', actions: ['pull'] }}>
      <Grid container spacing={3} sx={{ width: '100%' }}>
        <Grid size={{ xs: 12, md: 7 }}>
          <RadioButtonGroupInput
            source="subjectType"
            label="Who"
            choices={subjectChoices}
            validate={required()}
            row={false}
          />
          <FormDataConsumer<{ subjectType?: SubjectKind }>>
            {({ formData }) => {
              const reference = formData.subjectType ? SUBJECT_REFERENCES[formData.subjectType] : undefined;
              if (!reference) return null;
              return (
                <ReferenceInput key={formData.subjectType} source="subjectId" reference={reference.reference}>
                  <AutocompleteInput
                    optionText={reference.optionText}
                    label={`Which ${subjectLabel(formData.subjectType as SubjectKind).toLowerCase()}`}
                    validate={required()}
                    sx={{ minWidth: 320 }}
                  />
                </ReferenceInput>
              );
            }}
          </FormDataConsumer>
          <CheckboxGroupInput source="actions" label="May" choices={actionChoices} validate={required()} />
          <TextInput
            source="pattern"
            label="Repositories (pattern)"
            validate={[required(), validPattern]}
            helperText="e.g. team/**, team/*, {user}/**"
            autoComplete="off"
            sx={{ '& input': { fontFamily: 'monospace' } }}
          />
          <FormDataConsumer<{ pattern?: string }>>
            {({ formData }) => <PatternPreview pattern={formData.pattern} />}
          </FormDataConsumer>
          <TextInput source="description" multiline sx={{ mt: 2 }} />
        </Grid>
        <Grid size={{ xs: 12, md: 5 }}>
          <Box sx={{ position: { md: 'sticky' }, top: { md: 80 } }}>
            <PatternHelp />
          </Box>
        </Grid>
      </Grid>
    </SimpleForm>
  );
}
