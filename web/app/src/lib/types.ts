// Names for the contract's schemas that the shell and the apps use often.
// Every type here comes from src/generated (never written by hand).
import type { components } from '../generated/openapi';

export type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Org = Schemas['Org'];
export type Problem = Schemas['Problem'];
export type Meta = Schemas['Meta'];
export type SessionTokens = Schemas['Session'];
export type { EventType, SystemEvent } from '../generated/events';
