/**
 * The admin app: providers, theme, and the resources a role may see. Admin screens are not even declared for other
 * roles (the API refuses them anyway).
 */
import { Admin, Resource } from 'react-admin';
import groups from './groups';
import { authProvider, dataProvider } from './providers';
import repositories from './repositories';
import { darkTheme, lightTheme } from './theme';
import users from './users';

/** A resource's list alone (no create, no edit). */
const readOnly = <R extends { create?: unknown; edit?: unknown }>({ create: _c, edit: _e, ...rest }: R) => rest;

export function App() {
  return (
    <Admin
      title="registry-admin"
      dataProvider={dataProvider}
      authProvider={authProvider}
      theme={lightTheme}
      darkTheme={darkTheme}
      disableTelemetry
    >
      {(role: string | undefined) => (
        <>
          <Resource name="repositories" {...repositories} />
          {role === 'admin' ? <Resource name="users" {...users} /> : null}
          {role === 'admin' ? <Resource name="groups" {...groups} /> : null}
          {/* Managers read them: lists only, no create or edit screen the API would refuse. */}
          {role === 'manager' ? <Resource name="users" {...readOnly(users)} /> : null}
          {role === 'manager' ? <Resource name="groups" {...readOnly(groups)} /> : null}
        </>
      )}
    </Admin>
  );
}
