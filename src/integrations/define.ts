import type { ChannelFactory, ChatCommand, IntegrationHooks } from './types.js';

/*
 * Typed helpers for integration files (`import { defineHooks } from 'aegis-agents'`). They return
 * what they are given: the loader validates every part when it loads the folder, with errors that
 * name the file. Tools use the built-in defineTool.
 */

export const defineHooks = (hooks: IntegrationHooks): IntegrationHooks => hooks;

export const defineChatCommands = (commands: ChatCommand[]): ChatCommand[] => commands;

export const defineChannel = (factory: ChannelFactory): ChannelFactory => factory;
