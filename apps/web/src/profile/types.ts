/** A personal access token or a signed-in registry client, as `/api/v1/tokens` and `/api/v1/clients` list them. */
export interface ApiToken {
  id: number;
  kind: 'pat' | 'refresh';
  userId: number;
  name: string;
  prefix: string;
  readOnly: boolean;
  clientId: string | null;
  address: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}
