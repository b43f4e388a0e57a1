/**
 * The app's one theme, light and dark. `<Admin>` follows the system's colour scheme until the user picks one with the
 * toggle in the app bar, and remembers that choice.
 */
import { defaultDarkTheme, defaultLightTheme, type RaThemeOptions } from 'react-admin';

const shared: Partial<RaThemeOptions> = {
  shape: { borderRadius: 8 },
  typography: {
    // The system's own fonts: no web font is fetched from anywhere.
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  },
  sidebar: { width: 220, closedWidth: 55 },
};

export const lightTheme: RaThemeOptions = {
  ...defaultLightTheme,
  ...shared,
  palette: {
    mode: 'light',
    primary: { main: '#1565c0' },
    secondary: { main: '#0d47a1' },
    background: { default: '#f5f6f8' },
  },
};

export const darkTheme: RaThemeOptions = {
  ...defaultDarkTheme,
  ...shared,
  palette: {
    mode: 'dark',
    primary: { main: '#90caf9' },
    secondary: { main: '#64b5f6' },
    background: { default: '#121417', paper: '#1b1e22' },
  },
};
