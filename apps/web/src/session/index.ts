/** Signing in and out: the login and password-reset pages, and the app's layout with the user's menu. */
export { AppLayout, PROFILE_PATH } from './AppLayout';
export { LoginPage } from './LoginPage';
export { ResetPasswordPage } from './ResetPasswordPage';
export { RESET_PASSWORD_PATH, upgradeOldResetLink } from './session-api';
