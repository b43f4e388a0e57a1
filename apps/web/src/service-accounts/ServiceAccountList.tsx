import { Chip } from '@mui/material';
import {
  BooleanField,
  Datagrid,
  DateField,
  FunctionField,
  List,
  SearchInput,
  TextField,
  usePermissions,
} from 'react-admin';
import { isExpired } from './expiry';

const filters = [<SearchInput key="q" source="q" alwaysOn />];

interface Account {
  expiresAt: string | null;
}

export default function ServiceAccountList() {
  const { permissions } = usePermissions<string>();
  return (
    <List filters={filters} sort={{ field: 'name', order: 'ASC' }}>
      <Datagrid rowClick={permissions === 'admin' ? 'edit' : false} bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="description" sortable={false} />
        <BooleanField source="disabled" FalseIcon={null} />
        <FunctionField<Account>
          label="Expires"
          sortBy="expiresAt"
          render={(account) =>
            account.expiresAt === null ? (
              'never'
            ) : isExpired(account.expiresAt) ? (
              <Chip label="expired" color="warning" size="small" />
            ) : (
              new Date(account.expiresAt).toLocaleString()
            )
          }
        />
        <DateField source="lastUsedAt" label="Last used" showTime emptyText="never" />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}
