// wazo-dird subset (`/api/dird/0.1`): directory lookup in the `default` profile over the demo users
// (the wazo backend), in dird's column format.

import { STACK_UUID, type WazoDirectory } from './directory';
import { apiError, type Service } from './http';

export const DIRD_PROFILE = 'default';

export function dirdService(directory: WazoDirectory): Service {
  return {
    prefix: 'dird/0.1',
    routes: [
      {
        method: 'GET', template: '/directories/lookup/{profile}',
        handle: (req) => {
          if (req.params.profile !== DIRD_PROFILE) return apiError(404, `No such profile: ${req.params.profile}`, 'unknown-profile');
          const term = req.query.get('term');
          if (term === null) return apiError(400, 'term is required', 'invalid-data');
          const needle = term.toLowerCase();
          const results = directory
            .list()
            .filter((u) => [u.firstname, u.lastname, u.extension, u.email, directory.displayName(u)].some((v) => v.toLowerCase().includes(needle)))
            .map((u) => ({
              column_values: [directory.displayName(u), u.extension, u.email],
              relations: { user_id: String(u.id), user_uuid: u.uuid, endpoint_id: String(u.line.endpointId), source_entry_id: String(u.id), xivo_id: STACK_UUID },
              source: 'wazo-users',
              backend: 'wazo',
            }));
          return { status: 200, body: { term, column_headers: ['Name', 'Number', 'Email'], column_types: ['name', 'number', 'email'], results } };
        },
      },
    ],
  };
}
