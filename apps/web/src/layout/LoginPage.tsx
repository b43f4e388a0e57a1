/** The sign-in page: react-admin's form with the project's name, asking for a login (not an e-mail). */
import { Login, LoginForm } from 'react-admin';

export function LoginPage() {
  return (
    <Login>
      <LoginForm />
    </Login>
  );
}
