/**
 * react-admin's layout with the session's additions: "My profile" in the user menu, and, while the admin still signs
 * in with the generated first-start password, a notice on every page suggesting to change it.
 */
import PersonIcon from '@mui/icons-material/Person';
import { Alert, Button, ListItemIcon, ListItemText, MenuItem } from '@mui/material';
import { forwardRef, type ReactNode } from 'react';
import { AppBar, Layout, Logout, UserMenu, useGetIdentity, useUserMenu } from 'react-admin';
import { Link, useLocation } from 'react-router-dom';
import type { SessionIdentity } from '../providers/auth-provider';

export const PROFILE_PATH = '/profile';

const ProfileMenuItem = forwardRef<HTMLAnchorElement>(function ProfileMenuItem(props, ref) {
  const menu = useUserMenu();
  return (
    <MenuItem {...props} ref={ref} component={Link} to={PROFILE_PATH} onClick={() => menu?.onClose()}>
      <ListItemIcon>
        <PersonIcon fontSize="small" />
      </ListItemIcon>
      <ListItemText>My profile</ListItemText>
    </MenuItem>
  );
});

function SessionAppBar() {
  const { identity } = useGetIdentity();
  // The menu button shows the user's name: its accessible name must contain that text (WCAG 2.5.3).
  const label = identity?.fullName ? `Profile: ${identity.fullName}` : 'Profile';
  return (
    <AppBar
      userMenu={
        <UserMenu label={label}>
          <ProfileMenuItem />
          <Logout />
        </UserMenu>
      }
    />
  );
}

function InitialPasswordNotice() {
  const { identity } = useGetIdentity();
  const location = useLocation();
  if (!(identity as SessionIdentity | undefined)?.initialPassword) return null;
  return (
    <Alert
      severity="warning"
      sx={{ mt: 1, mb: 1 }}
      action={
        location.pathname === PROFILE_PATH ? null : (
          <Button component={Link} to={PROFILE_PATH} color="inherit" size="small">
            Change it
          </Button>
        )
      }
    >
      You signed in with the password generated at the first start. Choose your own now: the generated one was printed
      in the server's log and written to its data directory.
    </Alert>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  return (
    <Layout appBar={SessionAppBar}>
      <InitialPasswordNotice />
      {children}
    </Layout>
  );
}
