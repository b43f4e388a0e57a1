/**
 * The admin app: providers, theme, and the resources a role may see. Admin screens are not even declared for other
 * roles (the API refuses them anyway).
 */
import { lazy } from 'react';
import { Admin, Resource } from 'react-admin';
import groups from './groups';
import { authProvider, dataProvider } from './providers';
import repositories from './repositories';
import tags from './tags';
import { darkTheme, lightTheme } from './theme';
import users from './users';

/** The first page; loaded on its own so the sign-in page does not wait for it. */
const Dashboard = lazy(() => import('./dashboard/Dashboard'));

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
      dashboard={Dashboard}
      disableTelemetry
    >
      {(role: string | undefined) => (
        <>
          <Resource name="repositories" {...repositories} />
          <Resource name="tags" {...tags} />
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
