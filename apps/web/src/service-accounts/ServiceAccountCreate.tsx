import { useState } from 'react';
import { Create, DateTimeInput, required, SimpleForm, TextInput, useRedirect } from 'react-admin';
import { toIsoOrNull } from './expiry';
import { SecretDialog, type ShownSecret } from './SecretDialog';

const toBody = (data: { name: string; description?: string; expiresAt?: unknown }) => ({
  ...data,
  expiresAt: toIsoOrNull(data.expiresAt),
});

export default function ServiceAccountCreate() {
  const [shown, setShown] = useState<ShownSecret>();
  const redirect = useRedirect();
  return (
    <>
      <Create
        title="New service account"
        transform={toBody}
        mutationOptions={{
          // The answer holds the secret this once: show it before leaving the page.
          onSuccess: (created) => setShown({ name: String(created.name), secret: String(created.secret) }),
        }}
      >
        <SimpleForm>
          <TextInput
            source="name"
            validate={required()}
            autoComplete="off"
            helperText="the user name clients log in with"
          />
          <TextInput source="description" multiline />
          <DateTimeInput source="expiresAt" label="Expires" helperText="empty: never" />
        </SimpleForm>
      </Create>
      <SecretDialog
        shown={shown}
        onClose={() => {
          setShown(undefined);
          redirect('list', 'service-accounts');
        }}
      />
    </>
  );
}
