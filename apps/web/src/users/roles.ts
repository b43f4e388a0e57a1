/** The roles an account can have, as choices for inputs and filters. */
export const roleChoices = [
  { id: 'admin', name: 'Admin' },
  { id: 'manager', name: 'Manager' },
  { id: 'user', name: 'User' },
];
