/** The IoT Hub API version spoken here: in the device's MQTT username and the service API's query. */
export const API_VERSION = '2021-04-12';
