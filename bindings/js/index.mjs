// ESM entry: the same instance as the CommonJS entry.
import api from './dist/span-autolink.js';

export const {
  pointersForResponse,
  pointersForEvent,
  pointersForReceiveMessage,
  pointersForGetRecords,
  spanLinkAttributes,
  keepForSampling,
  settings,
  reloadEnvironment,
  explainResponse,
  explainEvent,
  explain,
  forgetTables,
} = api;
export default api;
