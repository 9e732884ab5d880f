import { unpluginFactory } from './plugin/factory.js'
import { createRollupPlugin } from 'unplugin'

export default createRollupPlugin(unpluginFactory)
