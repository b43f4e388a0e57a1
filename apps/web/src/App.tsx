/**
 * The admin app: providers, theme, and the resources a role may see. Admin screens are not even declared for other
 * roles (the API refuses them anyway).
 */
import { Admin, Resource } from 'react-admin';
import groups from './groups';
import { LoginPage } from './layout/LoginPage';
import { authProvider, dataProvider } from './providers';
import repositories from './repositories';
import { darkTheme, lightTheme } from './theme';
import users from './users';

export function App() {
  return (
    <Admin
      title="registry-admin"
      dataProvider={dataProvider}
      authProvider={authProvider}
      loginPage={LoginPage}
      theme={lightTheme}
      darkTheme={darkTheme}
      disableTelemetry
    >
      {(role: string | undefined) => (
        <>
          <Resource name="repositories" {...repositories} />
          {role === 'admin' || role === 'manager' ? <Resource name="users" {...users} /> : null}
          {role === 'admin' || role === 'manager' ? <Resource name="groups" {...groups} /> : null}
        </>
      )}
    </Admin>
  );
}
