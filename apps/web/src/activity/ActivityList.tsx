/** The activity log: what the registry reported (pushes, pulls, deletes), newest first, with its filters. */
import { Chip, Tooltip } from '@mui/material';
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
} from 'react-admin';
import { toIsoOrUndefined } from '../audit/date-filter';
import { formatBytes } from '../repositories/format';

const actionChoices = [
  { id: 'push', name: 'push' },
  { id: 'pull', name: 'pull' },
  { id: 'delete', name: 'delete' },
  { id: 'mount', name: 'mount' },
];

const ACTION_COLORS: Record<string, 'success' | 'info' | 'error' | 'default'> = {
  push: 'success',
  pull: 'info',
  delete: 'error',
};

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <TextInput key="repository" source="repository" helperText="exact name" />,
  <SelectInput key="action" source="action" choices={actionChoices} />,
  <TextInput key="actor" source="actor" helperText="exact login" />,
  <TextInput key="tag" source="tag" />,
  <DateTimeInput key="since" source="since" label="Since" parse={toIsoOrUndefined} />,
  <DateTimeInput key="until" source="until" label="Until" parse={toIsoOrUndefined} />,
];

interface RegistryEvent {
  action: string;
  digest: string | null;
  size: number | null;
  actor: string;
}

export default function ActivityList() {
  return (
    <List filters={filters} sort={{ field: 'timestamp', order: 'DESC' }} title="Activity log" perPage={50}>
      <Datagrid rowClick={false} bulkActionButtons={false}>
        <DateField source="timestamp" label="When" showTime />
        <FunctionField<RegistryEvent>
          label="Action"
          sortBy="action"
          render={(event) => (
            <Chip
              label={event.action}
              size="small"
              color={ACTION_COLORS[event.action] ?? 'default'}
              variant="outlined"
            />
          )}
        />
        <TextField source="repository" />
        <TextField source="tag" sortable={false} emptyText="—" />
        <FunctionField<RegistryEvent>
          label="Digest"
          render={(event) =>
            event.digest ? (
              <Tooltip title={event.digest}>
                <span style={{ fontFamily: 'monospace' }}>{event.digest.replace(/^sha256:/, '').slice(0, 12)}</span>
              </Tooltip>
            ) : (
              '—'
            )
          }
        />
        <FunctionField<RegistryEvent>
          label="Size"
          render={(event) => (event.size === null ? '—' : formatBytes(event.size))}
        />
        <FunctionField<RegistryEvent> label="By" sortBy="actor" render={(event) => event.actor || 'anonymous'} />
        <TextField source="address" sortable={false} emptyText="—" />
      </Datagrid>
    </List>
  );
}
