/**
 * The admin app: providers, theme, and the resources a role may see. Admin screens are not even declared for other
 * roles (the API refuses them anyway).
 */
import { Admin, Resource } from 'react-admin';
import accessCheck from './access-check';
import accessRules from './access-rules';
import activity from './activity';
import audit from './audit';
import groups from './groups';
import { authProvider, dataProvider } from './providers';
import repositories from './repositories';
import serviceAccounts from './service-accounts';
import { darkTheme, lightTheme } from './theme';
import users from './users';

/** A resource's list alone (no create, no edit). */
const readOnly = <R extends { create?: unknown; edit?: unknown }>({ create: _c, edit: _e, ...rest }: R) => rest;

/** Admins and managers read the admin screens (managers without writing). */
const readsAdminData = (role: string | undefined) => role === 'admin' || role === 'manager';

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
          {role === 'admin' ? <Resource name="service-accounts" {...serviceAccounts} /> : null}
          {role === 'admin' ? <Resource name="access-rules" {...accessRules} /> : null}
          {role === 'manager' ? <Resource name="service-accounts" {...readOnly(serviceAccounts)} /> : null}
          {role === 'manager' ? <Resource name="access-rules" {...readOnly(accessRules)} /> : null}
          {readsAdminData(role) ? <Resource name="access-check" {...accessCheck} /> : null}
          {readsAdminData(role) ? <Resource name="events" {...activity} /> : null}
          {readsAdminData(role) ? <Resource name="audit-events" {...audit} /> : null}
        </>
      )}
    </Admin>
  );
}
