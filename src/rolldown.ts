import { unpluginFactory } from './plugin/factory.js'
import { createRolldownPlugin } from 'unplugin'

export default createRolldownPlugin(unpluginFactory)
