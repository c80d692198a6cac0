// ESM entry: the same instance as the CommonJS entry.
import api from './index.js';

export const { pointersForResponse, pointersForEvent, spanLinkAttributes, keepForSampling, reloadEnvironment, testTrap } = api;
export default api;
