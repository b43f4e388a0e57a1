/**
 * The admin app: providers, theme, and the resources a role may see. Admin screens are not even declared for other
 * roles (the API refuses them anyway).
 */
import { Suspense } from 'react';
import { Admin, Authenticated, CustomRoutes, Loading, Resource } from 'react-admin';
import { Route } from 'react-router-dom';
import accessCheck from './access-check';
import accessRules from './access-rules';
import activity from './activity';
import audit from './audit';
import groups from './groups';
import { lazyView, resourceViews, type ViewRoutes } from './lazy-view';
import { ProfilePage } from './profile';
import { authProvider, dataProvider } from './providers';
import repositories from './repositories';
import serviceAccounts from './service-accounts';
import { AppLayout, LoginPage, PROFILE_PATH, RESET_PASSWORD_PATH, ResetPasswordPage } from './session';
import tags from './tags';
import { darkTheme, lightTheme } from './theme';
import users from './users';

/** The first page; loaded on its own so the sign-in page does not wait for it. */
const Dashboard = lazyView(() => import('./dashboard/Dashboard'));

/**
 * The view each path opens on, for `preloadViewFor` at start-up: its chunk loads while the session is checked, and the
 * first page renders without waiting on a Suspense fallback. Views a role may not open are refused by the API anyway.
 */
export const VIEW_ROUTES: ViewRoutes = [
  [/^\/$/, Dashboard],
  [new RegExp(`^${PROFILE_PATH}/?$`), ProfilePage],
  ...resourceViews('repositories', repositories),
  ...resourceViews('tags', tags),
  ...resourceViews('users', users),
  ...resourceViews('groups', groups),
  ...resourceViews('service-accounts', serviceAccounts),
  ...resourceViews('access-rules', accessRules),
  ...resourceViews('access-check', accessCheck),
  ...resourceViews('events', activity),
  ...resourceViews('audit-events', audit),
];

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
      loginPage={LoginPage}
      layout={AppLayout}
      theme={lightTheme}
      darkTheme={darkTheme}
      dashboard={Dashboard}
      disableTelemetry
    >
      {/* The page the reset mail links to: reachable signed out. */}
      <CustomRoutes noLayout>
        <Route path={RESET_PASSWORD_PATH} element={<ResetPasswordPage />} />
      </CustomRoutes>
      {/* Every signed-in user's own page. */}
      <CustomRoutes>
        <Route
          path={PROFILE_PATH}
          element={
            <Authenticated>
              <Suspense fallback={<Loading />}>
                <ProfilePage />
              </Suspense>
            </Authenticated>
          }
        />
      </CustomRoutes>
      {(role: string | undefined) => (
        <>
          <Resource name="repositories" {...repositories} />
          <Resource name="tags" {...tags} />
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
