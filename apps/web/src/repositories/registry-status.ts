/** The registry's status as `/registry/status` tells it: reachable, and the host `docker pull` commands name. */
import { useGetOne } from 'react-admin';

export interface RegistryStatus {
  id: string;
  configured: boolean;
  reachable: boolean | null;
  message: string | null;
  checkedAt: string | null;
  users: number | null;
  pullHost: string | null;
}

export function useRegistryStatus() {
  return useGetOne<RegistryStatus>('registry', { id: 'status' }, { staleTime: 15_000 });
}

/** `docker pull <host>/<repository>[:tag|@digest]`; without a configured registry the host is left out. */
export function pullCommand(host: string | null | undefined, reference: string): string {
  return `docker pull ${host ? `${host}/` : ''}${reference}`;
}
