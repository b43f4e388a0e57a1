import {
  BooleanInput,
  DateField,
  DateTimeInput,
  Edit,
  Labeled,
  ListButton,
  SimpleForm,
  TextInput,
  TopToolbar,
  useRecordContext,
} from 'react-admin';
import { toIsoOrNull } from './expiry';
import { RotateSecretButton } from './RotateSecretButton';

interface Account {
  name: string;
  description: string;
  disabled: boolean;
  expiresAt?: unknown;
}

/** Only what may change; an expiry left as it was is not sent again (an expired one would be refused as past). */
const toBody = (data: Account, options?: { previousData?: Account }) => {
  const expiresAt = toIsoOrNull(data.expiresAt);
  const previous = toIsoOrNull(options?.previousData?.expiresAt);
  return {
    name: data.name,
    description: data.description,
    disabled: data.disabled,
    ...(expiresAt !== previous ? { expiresAt } : {}),
  };
};

const Actions = () => (
  <TopToolbar>
    <RotateSecretButton />
    <ListButton />
  </TopToolbar>
);

function AccountTitle() {
  const account = useRecordContext<{ name: string }>();
  return <span>Service account {account?.name ?? ''}</span>;
}

export default function ServiceAccountEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={toBody} actions={<Actions />} redirect="list" title={<AccountTitle />}>
      <SimpleForm>
        <TextInput source="name" autoComplete="off" />
        <TextInput source="description" multiline />
        <BooleanInput source="disabled" helperText="a disabled account authenticates nowhere" />
        <DateTimeInput source="expiresAt" label="Expires" helperText="empty: never" />
        <Labeled label="Last used">
          <DateField source="lastUsedAt" showTime emptyText="never" />
        </Labeled>
        <Labeled label="Created">
          <DateField source="createdAt" showTime />
        </Labeled>
      </SimpleForm>
    </Edit>
  );
}
