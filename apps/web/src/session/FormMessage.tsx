/** An error or notice shown inside a session form, announced to screen readers. */
import { Alert } from '@mui/material';

export function FormMessage({ severity, children }: { severity: 'error' | 'success' | 'info'; children: string }) {
  return (
    <Alert severity={severity} role={severity === 'error' ? 'alert' : 'status'} sx={{ mb: 2 }}>
      {children}
    </Alert>
  );
}
