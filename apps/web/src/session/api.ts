/** The session calls, wired to the app's one API client. */
import { apiClient } from '../providers';
import { createSessionApi } from './session-api';

export const sessionApi = createSessionApi(apiClient);
