import { Stack, Typography } from '@mui/material';
import {
  ChipField,
  Datagrid,
  DateField,
  FunctionField,
  List,
  ReferenceArrayField,
  SearchInput,
  SingleFieldList,
  TextField,
  usePermissions,
} from 'react-admin';

const SHOWN_MEMBERS = 5;

interface Group {
  id: number;
  members: number[];
}

/** The first members by name and how many more: a group may have thousands, fetched only when opened. */
function MembersPreview({ group }: { group: Group }) {
  const more = group.members.length - SHOWN_MEMBERS;
  return (
    <Stack direction="row" spacing={1} alignItems="center">
      <ReferenceArrayField
        record={{ ...group, members: group.members.slice(0, SHOWN_MEMBERS) }}
        source="members"
        reference="users"
        emptyText="none"
      >
        <SingleFieldList linkType={false}>
          <ChipField source="login" size="small" />
        </SingleFieldList>
      </ReferenceArrayField>
      {more > 0 ? <Typography variant="body2">+{more}</Typography> : null}
    </Stack>
  );
}

const filters = [<SearchInput key="q" source="q" alwaysOn />];

export default function GroupList() {
  // Managers read groups; only admins open them for editing (the API refuses a manager's writes).
  const { permissions } = usePermissions<string>();
  return (
    <List filters={filters} sort={{ field: 'name', order: 'ASC' }}>
      <Datagrid rowClick={permissions === 'admin' ? 'edit' : false} bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="description" sortable={false} />
        <FunctionField<Group> label="Members" render={(group) => <MembersPreview group={group} />} />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}
