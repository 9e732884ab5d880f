import { unpluginFactory } from './plugin/factory.js'
import { createRspackPlugin } from 'unplugin'

export default createRspackPlugin(unpluginFactory)
