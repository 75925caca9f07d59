// GET /v1/responses/{id}: gw keeps no responses (it never stores them: `store` has no effect on
// POST /v1/responses), so there is nothing to fetch; refused with 400 naming why.
import { GwError } from '../../errors.js';
import type { Stage } from '../stage.js';

export function responsesGetStage(): Stage {
  return function refuse(): Promise<void> {
    return Promise.reject(
      new GwError(
        'GW_ERR_BAD_REQUEST',
        'GET /v1/responses/{id} is not supported: gw stores no responses (send the whole conversation in `input`)',
        { param: 'response_id' },
      ),
    );
  };
}
