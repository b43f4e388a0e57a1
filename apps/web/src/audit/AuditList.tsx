/** The audit log: who changed what, when and from where, newest first, with its filters; a row opens its details. */
import { Box, Chip } from '@mui/material';
import {
  Datagrid,
  DateField,
  DateTimeInput,
  FunctionField,
  List,
  SearchInput,
  SelectInput,
  TextField,
  TextInput,
  useRecordContext,
} from 'react-admin';
import { toIsoOrUndefined } from './date-filter';

const targetTypeChoices = [
  { id: 'user', name: 'user' },
  { id: 'group', name: 'group' },
  { id: 'access-rule', name: 'access rule' },
  { id: 'service-account', name: 'service account' },
  { id: 'token', name: 'token' },
  { id: 'tag', name: 'tag' },
  { id: 'repository', name: 'repository' },
];

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <TextInput key="actor" source="actor" helperText="exact login" />,
  <TextInput key="action" source="action" helperText="exact, e.g. user.create" />,
  <SelectInput key="targetType" source="targetType" label="Target type" choices={targetTypeChoices} />,
  <DateTimeInput key="since" source="since" label="Since" parse={toIsoOrUndefined} />,
  <DateTimeInput key="until" source="until" label="Until" parse={toIsoOrUndefined} />,
];

interface AuditEvent {
  action: string;
  actorName: string;
  targetType: string;
  targetName: string;
  details: Record<string, unknown>;
}

const tone = (action: string): 'error' | 'warning' | 'success' | 'default' =>
  /\.(delete|revoke)$/.test(action)
    ? 'error'
    : /\.(disable|rotate-secret|password-reset|logout-everywhere)$/.test(action)
      ? 'warning'
      : /\.create$/.test(action)
        ? 'success'
        : 'default';

function Details() {
  const event = useRecordContext<AuditEvent>();
  if (!event) return null;
  return (
    <Box component="pre" sx={{ m: 0, fontSize: 13, whiteSpace: 'pre-wrap' }}>
      {JSON.stringify(event.details, null, 2)}
    </Box>
  );
}

export default function AuditList() {
  return (
    <List filters={filters} sort={{ field: 'at', order: 'DESC' }} title="Audit log" perPage={50}>
      <Datagrid rowClick="expand" expand={<Details />} bulkActionButtons={false}>
        <DateField source="at" label="When" showTime />
        <FunctionField<AuditEvent>
          label="By"
          sortBy="actorName"
          render={(event) => event.actorName || <em>system</em>}
        />
        <FunctionField<AuditEvent>
          label="Action"
          sortBy="action"
          render={(event) => <Chip label={event.action} size="small" color={tone(event.action)} variant="outlined" />}
        />
        <TextField source="targetType" label="Target type" />
        <TextField source="targetName" label="Target" sortable={false} />
        <TextField source="address" sortable={false} emptyText="—" />
      </Datagrid>
    </List>
  );
}
