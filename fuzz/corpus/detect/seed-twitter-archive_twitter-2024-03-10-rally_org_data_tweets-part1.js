window.YTD.tweets.part1 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1764000000000000200"
          ],
          "editableUntil" : "2024-03-01T13:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Rally_Org/status/1764000000000000200/video/1",
            "indices" : [
              "40",
              "63"
            ],
            "url" : "https://t.co/vid",
            "media_url" : "http://pbs.twimg.com/media/vid.jpg",
            "id_str" : "1764000000000000201",
            "id" : "1764000000000000201",
            "media_url_https" : "https://pbs.twimg.com/media/vid.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "large" : {
                "w" : "1200",
                "h" : "800",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/vid"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "53"
      ],
      "favorite_count" : "25",
      "id_str" : "1764000000000000200",
      "truncated" : false,
      "retweet_count" : "9",
      "id" : "1764000000000000200",
      "created_at" : "Fri Mar 01 12:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Our river needs you. Watch the film: https://t.co/vid",
      "lang" : "en",
      "possibly_sensitive" : false,
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Rally_Org/status/1764000000000000200/video/1",
            "indices" : [
              "40",
              "63"
            ],
            "url" : "https://t.co/vid",
            "media_url" : "http://pbs.twimg.com/media/vid.jpg",
            "id_str" : "1764000000000000201",
            "id" : "1764000000000000201",
            "media_url_https" : "https://pbs.twimg.com/media/vid.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "large" : {
                "w" : "1200",
                "h" : "800",
                "resize" : "fit"
              }
            },
            "type" : "video",
            "display_url" : "pic.twitter.com/vid",
            "video_info" : {
              "aspect_ratio" : [
                "16",
                "9"
              ],
              "duration_millis" : "30030",
              "variants" : [
                {
                  "bitrate" : "832000",
                  "content_type" : "video/mp4",
                  "url" : "https://video.twimg.com/ext_tw_video/x/vid/640x360/a.mp4"
                }
              ]
            },
            "additional_media_info" : {
              "monetizable" : false
            }
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1763000000000000100"
          ],
          "editableUntil" : "2024-02-26T16:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/q",
            "expanded_url" : "https://twitter.com/ally_org/status/1762900000000000777",
            "display_url" : "twitter.com/ally_org/sta…",
            "indices" : [
              "6",
              "19"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "20"
      ],
      "favorite_count" : "7",
      "id_str" : "1763000000000000100",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1763000000000000100",
      "created_at" : "Mon Feb 26 15:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "This! https://t.co/q",
      "lang" : "en"
    }
  }
]